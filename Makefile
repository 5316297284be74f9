# One command to set up and run each job on a fresh machine that has only Python 3.11, pip and gcc.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install install-mmpose test test-fast demo bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# torch is pinned to the CPU build that installs from a local file; a looser pin pulls CUDA (GBs).
$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

# Optional MMPose HRNet backend (the paper's pose estimator); see scripts/install-mmpose.sh.
$(VENV)/.mmpose: $(VENV)/.installed requirements-mmpose.txt scripts/install-mmpose.sh
	bash scripts/install-mmpose.sh $(BIN)/python
	touch $@

install-mmpose: $(VENV)/.mmpose

# The tests exercise the MMPose path too (real HRNet config, random weights), so CI installs it.
test: install install-mmpose
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# The bundled example (examples/README.md): cam03 starts 7 frames after cam01, so the right answer
# is an offset of -7 frames for cam03 (frame i of cam01 = frame i - 7 of cam03). Offline, on the CPU.
EXAMPLE  := examples/pose2sim-balance
EXPECTED := -7
demo: install
	@echo "demo: cam03 started recording 7 frames after cam01: the right answer is $(EXPECTED) frames for cam03"
	$(BIN)/videosync align $(EXAMPLE)/cam01.mp4 $(EXAMPLE)/cam03.mp4 --plot runs/demo/align.png --json-out runs/demo/align.json --overwrite
	@$(BIN)/python -c "import json, sys; k = json.load(open('runs/demo/align.json'))['inputs'][1]['offset_frames']; \
	ok = abs(k - ($(EXPECTED))) < 0.5; \
	print(f'demo: expected $(EXPECTED) frames, found {k:+.2f}:', 'it matches' if ok else f'it does NOT match (off by {k - ($(EXPECTED)):+.2f})'); sys.exit(not ok)"
	$(BIN)/videosync trim $(EXAMPLE)/cam01.mp4 $(EXAMPLE)/cam03.mp4 -o runs/demo/synced --overwrite

bench: install
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
