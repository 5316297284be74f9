"""The calibration benchmark's parts (``benchmarks/bench_calibration.py``): running every case
through ``align`` with a cache (:mod:`.runner`), and the real Pose2Sim demo pairs (:mod:`.real`)."""
