"""Every tuned threshold and default of the pipeline, in one place, by stage.

Each value has one line saying why it has that value and the design page with the evidence
(``docs/design/<page>.md``); ``docs/design/tunables.md`` holds the measurements behind each one.
Change a value here and nowhere else. Facts of formats and physics (joint indices, a file's
version, the median of ``|N(0, 1)|``) are not tunables and stay where they are used.

This module imports nothing, so any module may read it.
"""

# --- Pose input (docs/design/poses.md) -------------------------------------------------------

#: Joints scored below this are not trusted as positions (the refinement's correspondences, the
#: pose statistics: jitter, size, speed). [refinement.md]
KEYPOINT_MIN_SCORE = 0.3
#: Frame rate assumed for OpenPose JSON without a video beside it or --fps (a common camera
#: rate); a warning says it was assumed. [video-io.md]
ASSUMED_FPS = 30.0
#: Image size from the pose extent: the far joint plus this share, since people rarely touch the
#: border. [poses.md]
EXTENT_MARGIN = 0.05
#: Layout detection: "next to" is closer than this share of the skeleton's box diagonal (true
#: facts hold within 0.03-0.06 on the Pose2Sim demo, false ones are mostly > 0.2). [poses.md]
LAYOUT_NEAR = 0.08
#: Fewest skeleton checks before a layout is decided from their pass rate. [poses.md]
LAYOUT_MIN_CHECKS = 10
#: A layout is taken when most of its checks hold... [poses.md]
LAYOUT_MIN_PASS = 0.5
#: ... and this many more of them than of the other layout's, else the user is asked. [poses.md]
LAYOUT_MIN_LEAD = 0.25
#: Tracking: a detection one frame later joins a track within this mean keypoint distance (share
#: of the body's box diagonal). [poses.md]
TRACK_MAX_DIST = 0.3
#: ... widened by this share per extra frame of gap (the person moves on while unseen). [poses.md]
TRACK_GATE_GROWTH = 0.25
#: Missing frames a track survives (an occlusion or missed detections). [poses.md]
TRACK_MAX_GAP = 15
#: Another person is a possible subject from this share of the best track's score (bystanders
#: score a few %, a second performer 60-110 %). [poses.md]
CANDIDATE_SHARE = 0.25
#: At most this many people per input are tried as the subject (each costs a pair estimate). [poses.md]
MAX_SUBJECTS_TRIED = 3
#: A body axis within this many degrees of a quarter turn is turned upright (a sideways camera,
#: not a person leaning). [poses.md]
UPRIGHT_MAX_TILT = 30.0
#: Fewest frames with a measurable body axis before turning a track. [poses.md]
UPRIGHT_MIN_FRAMES = 5

# --- Input limits (docs/design/hardening.md) ---------------------------------------------------

#: Frame rates accepted from a file or --fps: below 1 fps no motion is sampled, above 10000 fps no
#: camera a pose estimator runs on; past either, frame arithmetic breaks down. [hardening.md]
MIN_FPS = 1.0
MAX_FPS = 10_000.0
#: Largest frame number accepted (2**40: 580 years at 60 fps): larger ones are corrupt data and
#: overflow the frame arithmetic. [hardening.md]
MAX_FRAME_NUMBER = 2**40
#: Largest image side (px) accepted from a file or --size: far beyond any camera. [hardening.md]
MAX_IMAGE_SIDE = 100_000.0
#: Peak memory of synchronizing, per analysed frame of an input (align, method sesyn, two inputs:
#: 42 KiB per added frame measured from 2,500 to 10,000 frames; rounded up for a margin). An input
#: whose frames, or span of frame numbers, would need more than ... [hardening.md]
PEAK_BYTES_PER_FRAME = 64 * 1024
#: ... this share of the machine's memory is refused, naming --start/--duration. [hardening.md]
MEMORY_SHARE = 0.5
#: A temporary output file younger than this is never taken for a killed run's: between its
#: creation and its lock there is an instant in which it is unlocked. [hardening.md]
STALE_AFTER_SECONDS = 5.0
#: Without file locks (Windows), a temporary output file untouched this long belongs to no live
#: writer and is removed. [hardening.md]
STALE_UNLOCKED_SECONDS = 24 * 3600.0

# --- Pose estimation from video (docs/design/poses.md) ----------------------------------------

#: MediaPipe: frames in a row without a person after which an extra tracker idles. [poses.md]
MISSES_BEFORE_IDLE = 5
#: MediaPipe: two detections whose joints lie this close (share of the height) are one person. [poses.md]
DUPLICATE_DISTANCE = 0.15
#: MMPose: people whose mean joint score is below this are a box on background. [poses.md]
MIN_MEAN_SCORE = 0.2
#: MMPose: frames over which the previous people stand in for missing boxes. [poses.md]
MAX_BOX_CARRY = 5
#: Left/right swaps: a group is mirrored when that brings it this much closer to the last frame...
SWAP_RATIO = 0.5
#: ... and it moved more than this share of the body height as labelled. [poses.md]
SWAP_MIN_JUMP = 0.05
#: Frames without the person after which the swap check restarts (motion unknown). [poses.md]
SWAP_MAX_GAP = 5

# --- Video input (docs/design/video-io.md) ----------------------------------------------------

#: Two frame rates this close (relative) are the same: 29.97 reads as 29.97002997. [video-io.md]
SAME_RATE_RTOL = 1e-4
#: Undecodable packets in a row after which the file is given up on. [video-io.md]
MAX_CONSECUTIVE_ERRORS = 50
#: Packets whose timestamps give the nominal frame period (a few seconds of video). [video-io.md]
RATE_PACKETS = 240

# --- Frame features (docs/design/model.md) ---------------------------------------------------

#: Frames with fewer detected joints are not matched (too little pose to describe). [matching.md]
MIN_JOINTS = 5
#: SeSyn: fewest frames left after dropping the network's edge frames before keeping them. [model.md]
MIN_INTERIOR_FRAMES = 20
#: SeSyn: training frame rate of a checkpoint that does not say (the synthetic data's). [model.md]
DEFAULT_MODEL_FPS = 30.0
#: SeSyn: rates within this factor of the training rate are embedded as they are (a 30 fps model
#: read 60 fps better unresampled). [model.md]
MODEL_RATE_FACTOR = 2.0
#: SeSyn: resampling closer than this (relative) to the input's own rate is skipped. [model.md]
RESAMPLE_TOLERANCE = 0.02
#: Speed-xcorr (Pose2Sim's defaults): keypoints below this likelihood are missing. [matching.md]
XCORR_LIKELIHOOD = 0.4
#: Speed-xcorr (Pose2Sim's defaults): Butterworth cutoff (Hz) and order (both passes). [matching.md]
XCORR_CUTOFF_HZ = 6.0
XCORR_ORDER = 4
#: Speed-xcorr: smallest overlap, share of the shorter input (Pose2Sim: 0.5; lower finds larger
#: offsets between clips that overlap by less than half). [matching.md]
XCORR_MIN_OVERLAP = 0.3
#: Speed-xcorr: smallest overlap in frames, whatever the share. [matching.md]
XCORR_MIN_OVERLAP_FRAMES = 30
#: Speed-xcorr: a lead of this much correlation over the best rival peak is fully distinctive. [confidence.md]
XCORR_FULL_LEAD = 0.5
#: SSM: half-width (s) of the self-similarity patch around each frame (a motion's timing). [matching.md]
SSM_WINDOW_SECONDS = 1.0
#: SSM: log-polar grid of the descriptor (rings x sectors), as in Junejo et al. [matching.md]
SSM_RADIAL = 5
SSM_ANGULAR = 4
#: SSM: joints two frames must share for a distance (fewer give no body shape). [matching.md]
SSM_MIN_COMMON = 4
#: SSM: descriptors are divided by their norm plus this share of the median norm, so a still
#: person is not blown up to unit length. [matching.md]
SSM_NORM_FLOOR = 0.05

# --- Frame matching (docs/design/matching.md) ------------------------------------------------

#: Row softmax temperature relative to the median squared distance: a frame at the median
#: distance is e^-10 less likely than a perfect match, whatever the feature units. [matching.md]
MATCH_TEMPERATURE = 0.1
#: Memory bound of one block of squared distances (float32, bytes), so long recordings match
#: on a laptop; peak memory is a small multiple. [matching.md]
DEFAULT_BLOCK_BYTES = 32 * 2**20
#: Columns on each side of the best match that are its own valley, not a rival. [matching.md]
DEFAULT_EXCLUSION = 2
#: Fewest rows per chunk of a banded matching (fewer would cost more in Python than in numpy). [matching.md]
MIN_BAND_CHUNK = 256
#: Rows/columns sampled (evenly spaced) to estimate the median squared distance. [matching.md]
SCALE_SAMPLE = 256
#: Least extra reach (s) of the matching beyond --max-offset: more than one period of the
#: repeated motions that make rival offsets (a gait cycle is about 1.1 s, a wave 0.7 s). [matching.md]
EVIDENCE_MARGIN_SECONDS = 1.0

# --- Long pairs, coarse to fine (docs/design/matching.md) ------------------------------------

#: Frame comparisons above which a pair is matched coarse to fine (:mod:`videosync.sync.coarse`):
#: two 4,000-frame tracks (2.2 min at 30 fps), matched whole in seconds. [matching.md]
LONG_PAIR_CELLS = 4000 * 4000
#: The coarse pass reads every k-th frame down to this rate (frames/s): the lowest rate the
#: shipped model embeds as it is (its fps_range is 15-60). [matching.md]
COARSE_MATCH_FPS = 15.0
#: The first stretch of A (s) matched against all of B: dozens of movements, where A moves most. [matching.md]
LONG_STRETCH_SECONDS = 60.0
#: Every frame of this much (s) of the stretch sets the offset to the frame. [matching.md]
LONG_FINE_SECONDS = 20.0

# --- What align analyses of videos (docs/design/analysis.md) ---------------------------------

#: Videos up to this long (s; the reference's analysed part) are analysed whole, every frame: the
#: coarse pass could save at most half of their poses, and a short clip needs all its evidence. [analysis.md]
FULL_RATE_SECONDS = 20.0
#: The first stretch of the reference (s): many movements of any activity (9 gait cycles); the
#: calibrated confidence, not this length, decides whether it was enough. [analysis.md]
FIRST_STRETCH_SECONDS = 10.0
# The analysis stops (no constant of its own, sync/adaptive.py: stop_threshold, confirmed) when
# align would trust the round's answer (every input at least trust.assess.default_min_confidence,
# or a stricter --min-confidence: one meaning of "trusted"; that is the chance of being within a
# coarse frame, inside the frame-exact search, so its 90 % error bar is not asked to be) and,
# unless the round searched every allowed offset (a --max-offset, or the whole videos), the next,
# wider round keeps the answer within a coarse frame: a round cannot see offsets beyond its
# stretches (tune set, benchmarks/tune_stopping.py: a wrong answer at 0.85 with the truth 20 s
# away). [analysis.md]
#: Else the stretch grows by this factor, and the other inputs are analysed that new length
#: before and after it (offsets up to the stretch's length stay in view). [analysis.md]
STRETCH_GROWTH = 2.0
#: Every frame of this much (s) where the reference moves most sets a trusted coarse answer to the
#: frame by two-view geometry (the demo's 1.7 s clips refine to the frame). [analysis.md]
FINE_SECONDS = 2.0
#: Frames of the other inputs beyond the geometric search's reach: B's keypoints are interpolated
#: between neighbouring frames at the search's ends. [analysis.md]
FINE_EDGE_FRAMES = 3

# --- Offset fit and confidence (docs/design/confidence.md) -----------------------------------

#: align refuses offsets whose calibrated confidence is below this (--min-confidence): on the
#: calibration benchmark's tune split, the fewest wrong answers while 80 % of the right ones are
#: answered (scripts/fit_calibrator.py prints the table: 10.0 % wrong, 80.4 % kept). [trust.md]
DEFAULT_MIN_CONFIDENCE = 0.6
#: The same for a method's own scores (a method or model without a calibrator): the former
#: default, chosen on the project's synthetic validation split. [confidence.md]
UNCALIBRATED_MIN_CONFIDENCE = 0.2
#: Residual (frames of B) below which a matched pair agrees with the fitted line. [confidence.md]
DEFAULT_TOLERANCE = 2.0
#: Fewest agreeing pairs an offset is accepted from. [confidence.md]
DEFAULT_MIN_INLIERS = 10
#: Fewest argmax matches that must agree with the soft votes' offset for the fit to take it. [confidence.md]
MIN_SOFT_SUPPORT = 3
#: Offsets closer than this (frames of B) to the chosen one are the same answer, not a rival. [confidence.md]
DEFAULT_SEPARATION = 6.0
#: ... nor those closer than this (seconds): a step or a wave later, in periodic motion. [confidence.md]
RIVAL_SECONDS = 0.2
#: A rival supported by up to this share of the chosen offset's support costs no confidence;
#: beyond it the confidence falls linearly, to 0 for an equal rival. [confidence.md]
RIVAL_SHARE_FREE = 0.5
#: A line of weakly peaked matches is still evidence: the matches' quality halves the confidence
#: at most. [confidence.md]
QUALITY_WEIGHT = 0.5
#: A fitted rate of two videos stays within this factor of their nominal ratio (clock drift is
#: ~1e-4, 24 vs 25 fps 4 %); further off it is an artefact of the matches. [confidence.md]
VIDEO_RATE_FACTOR = 1.05
#: ... and within this factor when a rate label may be wrong (pose files, an assumed fps). [confidence.md]
LABEL_RATE_FACTOR = 2.0
#: RANSAC hypotheses of the free-rate fit. [confidence.md]
RATE_TRIALS = 500
#: A free rate replaces the nominal one only beyond this many standard errors from it... [confidence.md]
RATE_MIN_SIGMAS = 3.0
#: ... and when it moves the prediction over the matched span by more than this (frames): a rate
#: change that moves no frame by half a frame is not measurable. [confidence.md]
RATE_MIN_SHIFT_FRAMES = 0.5
#: RANSAC draws match pairs at least this far apart (frames, and this share of the span), so a
#: hypothesis' rate is not noise over a few frames. [confidence.md]
RATE_MIN_SPACING_FRAMES = 10.0
RATE_MIN_SPACING_SHARE = 0.1
#: An answer held at --max-offset more than this (frames of B) from where the evidence points is
#: not the offset (wrong by more than frame accuracy allows): confidence 0 and a note. [confidence.md]
BEYOND_BOUNDS_FRAMES = 0.5

# --- Geometric refinement (docs/design/refinement.md) ----------------------------------------

#: Half-width (s) of the search around the coarse offset: the matching's misses on slow motion
#: are a few frames. [refinement.md]
REFINE_SEARCH_SECONDS = 0.25
#: ... and at least this many frames, whatever the rate. [refinement.md]
MIN_SEARCH_FRAMES = 4.0
#: Frames of A the geometry is fitted on at most, those whose joints move most: a still frame
#: satisfies every candidate offset alike and only costs time, so a long recording is refined on
#: the frames that carry timing information, in a time that does not grow with its length (30 s
#: at 30 fps; the demo's and the test clips' few hundred frames are all used). [refinement.md]
REFINE_MAX_FRAMES = 900
#: Grid step of the search (frames of B); the minimum is refined by a parabola. [refinement.md]
REFINE_STEP = 0.5
#: Fewest correspondences (joint x frame) per candidate offset: F has 7 degrees of freedom and
#: real detector noise needs many more than 8 points. [refinement.md]
MIN_POINTS = 100
#: The dip must be at least this deep relative to the curve's median level to be trusted. [refinement.md]
MIN_CONTRAST = 0.15
#: A dip this much deeper than MIN_CONTRAST gives full geometric confidence (a curve at half its
#: median level at the minimum). [refinement.md]
FULL_CONTRAST_SPAN = 0.35
#: Median Sampson distance at the minimum (share of the person's size) at or below which the
#: views agree as well as detector noise allows (0.6-1.0 % on the Pose2Sim demo). [refinement.md]
GOOD_RELATIVE_ERROR = 0.010
#: ... and at or above which the "minimum" is the least bad of wrong offsets (1.8-4.6 %). [refinement.md]
BAD_RELATIVE_ERROR = 0.025
#: Cauchy loss scale in noise units: the usual 95 % efficiency under Gaussian noise. [refinement.md]
CAUCHY_C = 2.385
#: Reweighting rounds of the robust fit (it settles within two or three). [refinement.md]
ROBUST_ITERATIONS = 5
#: Half-width (s) over which a joint's speed is measured: jitter averages out, a limb's motion
#: (over a few tenths of a second) is kept. [refinement.md]
SPEED_WINDOW_SECONDS = 0.1
#: Half-width (s) of the narrow second search around an accepted minimum (uses nearly all the
#: overlap the wide search had to give up). [refinement.md]
POLISH_SECONDS = 0.05
#: ... and at least this many frames. [refinement.md]
MIN_POLISH_FRAMES = 2.0
#: Noise scale floor, share of the person's size: keypoints are not more precise, and exact
#: synthetic correspondences must not make the scale zero. [refinement.md]
MIN_SCALE_RELATIVE = 1e-3
#: A view jittering by more than this share of the person's size is smoothed first (real
#: detectors: 0.2-0.7 %; smoothing every view blurred fast motion). [refinement.md]
SMOOTH_ABOVE_JITTER = 0.010
#: Half-width (s) of that smoothing line: +-2 frames at 30 fps, the best of +-1..3 measured. [refinement.md]
SMOOTH_SECONDS = 1.0 / 15.0
#: The two search directions must agree within this (frames of B) to be one answer (real
#: geometry: within 1.04 on the Pose2Sim demo). [refinement.md]
DIRECTIONS_AGREE_FRAMES = 2.0
#: Use the geometry only when both search directions are conclusive (one alone pulled as often
#: as it corrected). [refinement.md]
REQUIRE_BOTH_DIRECTIONS = True
#: The matching's rival offset is taken when its epipolar error is below this share of the
#: chosen one's (0.8-1.0 measured; 0.9 moved no answer further from the truth). [refinement.md]
RIVAL_ERROR_RATIO = 0.9

# --- Offsets that are not constant (docs/design/drift.md) ------------------------------------

#: Largest difference (frames of B) between the halves' geometric offsets before a pair is said
#: to have no single offset. [drift.md]
DRIFT_FRAMES = 2.0
#: The same for the matching's parts, less precise than the geometry (one clean ssm part was
#: 2.65 frames off). [drift.md]
MATCHING_DRIFT_FRAMES = 3.0
#: ... plus this share of the distance between the parts (frames of A): free-running clocks
#: differ by up to ~100 ppm. [drift.md]
DRIFT_PER_FRAME = 2e-4
#: Shortest part (s) for the test: a shorter one holds too little motion to pin its own offset. [drift.md]
MIN_HALF_SECONDS = 3.0
#: ... and at least this many frames. [drift.md]
MIN_HALF_FRAMES = 30
#: The matching cuts the overlap into up to this many parts, so frames lost in the middle of one
#: half still leave two parts that are sure. [drift.md]
MAX_SEGMENTS = 4
#: Each part is searched this share of the overlap around the pair's line (a tenth of its frames
#: lost)... [drift.md]
SEGMENT_BAND_SHARE = 0.1
#: ... at least this many frames... [drift.md]
SEGMENT_BAND_FRAMES = 8.0
#: ... and at most this many seconds, so the test stays cheap on long recordings. [drift.md]
SEGMENT_BAND_SECONDS = 2.0
#: A part whose own fit is less confident than this (the method's score, not the calibrated
#: probability) is no evidence either way; the value of the former default threshold. [drift.md]
MIN_HALF_CONFIDENCE = 0.2

# --- Trust: calibrated confidence, error bar, candidates (docs/design/trust.md) ---------------

#: The error bar's interval holds the truth this often (uncertainty_frames). [trust.md]
INTERVAL_LEVEL = 0.9
#: A vote peak with less than this share of the answer's votes is not a candidate (rivals of
#: periodic motion gather 0.6-1.0 of the chosen one's votes, chance peaks stay under ~0.2). [trust.md]
MIN_CANDIDATE_SHARE = 0.3
#: Most rival candidates listed besides the answer. [trust.md]
MAX_CANDIDATES = 3
#: A refusal is for repeated motion when a rival candidate has at least this share of the
#: answer's votes (the former rival note's level: beyond it a rival costs confidence). [trust.md]
REPEATED_MOTION_SHARE = 0.5
#: Less overlap than this (seconds of the reference) is "no overlap": shorter than one step or
#: wave, which is the least that shows timing. [trust.md]
MIN_OVERLAP_SECONDS = 0.5
#: Matched frames agreeing with the answer barely above chance (and no conclusive geometry):
#: the recordings do not seem to show the same motion. [trust.md]
NO_SHARED_MOTION_AGREEMENT = 0.1
#: A joint "moves" (evidence moving_joints) when its 90th-percentile speed exceeds this many
#: person-sizes per second: a raised arm sweeps ~1, keypoint jitter stays under ~0.1. [trust.md]
MOVING_SIZES_PER_SECOND = 0.25
#: Least error bar (frames) a pair counts with in the N-camera solve: sub-frame answers still
#: sit on interpolated keypoints. [trust.md]
MIN_UNCERTAINTY_FRAMES = 0.1
#: Frame rates tried for an input whose rate was assumed (the usual camera rates; NTSC's
#: 29.97/59.94 are within a frame of 30/60 over a minute). [trust.md]
COMMON_FPS = (6.0, 10.0, 12.0, 15.0, 20.0, 24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 90.0, 100.0, 120.0)
#: The best rates by the matching alone that the full method (with the geometry) then compares.
#: [trust.md]
RATE_SEARCH_FINALISTS = 2
#: Another rate at least this confident (relative to the best) with a different answer leaves
#: the rate unknown. [trust.md]
RATE_SEARCH_MARGIN = 0.7
#: A rate found from the motion within this share of a usual camera rate is that rate; farther
#: from every usual rate, the motion did not determine it (clocks of real cameras are within
#: 0.1 % of their rate, phones' variable rates within ~2 %). [trust.md]
RATE_SNAP = 0.02
#: Error bar of a method no calibrator was fitted for: the fit's tolerance, not a measured
#: interval (the result says the confidence is not calibrated). [trust.md]
UNCALIBRATED_HALF_WIDTH_FRAMES = 2.0

# --- Time map: offsets that step or slide along the recording (docs/design/drift.md) -----------

#: The time map compares each frame with B this far (s) on each side of the pair's line: the
#: frames a camera may lose in total over a recording (10 drops of 5 frames at 30 fps: 1.7 s). [drift.md]
TIMEMAP_BAND_SECONDS = 2.0
#: ... and at least this many frames, whatever the rate. [drift.md]
TIMEMAP_BAND_FRAMES = 10
#: Features wider than this are compared in their leading principal components (the band's cost
#: is the frames x offsets x this; sesyn's 2176 dimensions made it ~30x slower). [drift.md]
TIMEMAP_FEATURE_DIMS = 64
#: ... fitted on at most this many evenly spaced frames of both inputs: fewer rows than sesyn's
#: 2176 dimensions make the basis an SVD of the rows (0.3 s) instead of the covariance's (10 s). [drift.md]
TIMEMAP_PCA_ROWS = 1000
#: Floor added to the squared feature distances (share of their median) before the log, so that
#: two nearly identical frames do not dominate a window. [drift.md]
TIMEMAP_COST_FLOOR = 0.05
#: Frames pooled into one window (s): a single frame's evidence is weak and biased (slow motion
#: leaves a valley several frames wide), half a second of motion pins its offset. [drift.md]
TIMEMAP_WINDOW_SECONDS = 0.5
#: ... and at least this many frames. [drift.md]
TIMEMAP_WINDOW_FRAMES = 8
#: A window votes fully against an offset whose summed cost exceeds its best by this much per
#: frame (log units): clear motion does so 2-3 frames off its best, a still person nowhere. [drift.md]
TIMEMAP_VOTE_PER_FRAME = 0.2
#: A step of the offset must be worth this many windows' full votes (two windows: a second of
#: clear motion on the new offset), so a stretch of noisy windows does not make one. [drift.md]
TIMEMAP_CHANGE_VOTES = 2.0
#: Largest step between two neighbouring windows (frames, and s): a drop of a few frames, not a
#: repetition of the motion a second away; larger drops take several steps. [drift.md]
TIMEMAP_MAX_STEP_FRAMES = 6
TIMEMAP_MAX_STEP_SECONDS = 0.2
#: A step is located when the windows that prefer the old and the new offset lie at most this
#: far apart (s); otherwise the frames between them could belong to either. [drift.md]
TIMEMAP_LOCATE_SECONDS = 1.0
#: A stretch of a segment whose windows prefer offsets at least k frames away on one side by more
#: than this many full votes in total (half a step's price) may hide a step the path did not take
#: (or a ramp of small ones): the segment's error bar covers k. [drift.md]
TIMEMAP_DOUBT_VOTES = 1.0
#: A segment whose windows prefer its offset over a neighbouring segment's by less than this many
#: full votes in total (twice a step's price) has an error bar reaching the neighbour's offset:
#: the path can buy a step with a short or noisy stretch. [drift.md]
TIMEMAP_STEP_SUPPORT_VOTES = 4.0
#: Each step found by the features is placed again by the geometry frame by frame within this
#: far (s) of where the features put it: they placed steps up to 1.2 s late on the tuning pairs. [drift.md]
TIMEMAP_PLACE_SECONDS = 1.5
#: The pair's fundamental matrix is fitted on frames at least this far (s) from every step found,
#: so that frames the features may have given the wrong side's offset do not bend it. [drift.md]
TIMEMAP_PLACE_CLEAR_SECONDS = 1.5
#: ... chosen by consensus of stretches this long (s), each fitting its own: a stretch holds ~25
#: frames of a moving person, enough for a fit, and a missed step spoils few of them. [drift.md]
TIMEMAP_PLACE_BLOCK_SECONDS = 1.0
#: ... at most this many stretches (evenly spread) compete: their cross-check is quadratic. [drift.md]
TIMEMAP_PLACE_BLOCKS = 40
#: Splits whose two-segment fit is within this much of the best one (summed motion-weighted
#: Cauchy loss, a moving joint weighing 1) could be the step: its interval. [drift.md]
TIMEMAP_PLACE_MARGIN = 3.0
#: The largest clock drift the time map believes (ppm): free-running cameras differ by tens to
#: hundreds, a 29.97 fps camera filed as 30 by 1000; a steeper slope through the segments is
#: steps missed or split, not a clock. [drift.md]
TIMEMAP_MAX_DRIFT_PPM = 1500.0

# --- Sound: the audio method and fusion with the poses (docs/design/audio.md) -----------------

#: A track whose loudest sample is below this (dBFS) is silent: a muted or unplugged microphone;
#: the quietest room tone of a consumer recorder is around -70 to -50 dBFS *RMS*, but any event
#: that can synchronize peaks far above -50. [audio.md]
SILENCE_PEAK_DBFS = -50.0
#: Least overlap (s) an offset must leave between two sound tracks: a second holds a word or two,
#: a clap, a few steps; less is too little sound to tell chance from agreement. [audio.md]
AUDIO_MIN_OVERLAP_SECONDS = 1.0
#: Gap between the best envelope peak and the runner-up, in standard deviations of the rivals'
#: heights, below which the best may be chance (significance 0) and above which it is not (1):
#: the top two of 30 draws of one distribution lie about one spread apart; unrelated recordings
#: reached 3.5 at most in tests/audio, shared sound 10 to 70, through 0 dB of noise too. [audio.md]
AUDIO_GAP_CHANCE = 4.0
AUDIO_GAP_SURE = 8.0
#: GCC-PHAT peak (robust z over its curve) needed to trust the waveform's delay over the
#: envelope's; chance reaches about 4 over the 321 lags searched. [audio.md]
AUDIO_FINE_MIN_Z = 8.0
#: Below this confidence a sound answer carries a note saying why (what align refuses with). [audio.md]
AUDIO_NOTE_BELOW = 0.5
#: Autocorrelation of an onset envelope one period later above which the sound is periodic (a
#: metronome, a drum loop); speech and claps stay far below. [audio.md]
AUDIO_PERIODIC_AUTOCORR = 0.5
#: How far (s) one camera's sound may lead or lag its own picture: ITU-R BT.1359 puts the
#: threshold of detectability at 45 ms of sound leading (125 ms lagging); recorders that mux
#: their own microphone stay well inside it. [audio.md]
AV_SKEW_SECONDS = 0.045
#: Largest difference (m) of the distances from a sound to two cameras that fusion expects: a
#: room or a small sports hall. Farther apart, the picture's offset wins with a note. [audio.md]
SOUND_TRAVEL_METRES = 10.0
#: Speed of sound in air at 20 degrees C (m/s): physics, kept beside the travel it converts.
SPEED_OF_SOUND = 343.0
#: The allowance: seconds by which a pair's sound offset and picture offset may differ for
#: honest reasons, both cameras' skew (either sign) and the sound's travel (119 ms). Fusion
#: searches the poses this far around the sound's answer and warns beyond it. [audio.md]
EXPECTED_DISAGREEMENT_SECONDS = 2 * AV_SKEW_SECONDS + SOUND_TRAVEL_METRES / SPEED_OF_SOUND
#: Least confidence of the sound's answer at which fusion lets it bound the pose search; below
#: it the poses search alone, or the sound picks one of their candidates (FUSION_SOUND_SUPPORT_Z).
#: bench_audio.py's tune split (72 pairs, never the reported ones) gave the same fused answers at
#: every level from 0.05 to 0.7, none wrong; the rule took the least trust that does as well. [audio.md]
FUSION_MIN_SOUND_CONFIDENCE = 0.7
#: Least waveform agreement (GCC-PHAT peak, robust standard deviations) at which the sound picks
#: one of the poses' candidates (repeated motion) when its own answer is unsure: on the tune split
#: chance (offsets a repetition from the truth) reached 7.7, and 4-5 picked wrong in silence. [audio.md]
FUSION_SOUND_SUPPORT_Z = 8.0


# --- N-camera solve (docs/design/confidence.md) ----------------------------------------------

#: A pair disagrees with the solution beyond this many frames of the slowest input: more than a
#: frame of slack (each pair may be off by half a frame) but less than two. [confidence.md]
DISAGREE_FRAMES = 1.5
#: The two largest residuals within this ratio: the data cannot say which pair is wrong (a
#: triangle spreads one bad pair equally). [confidence.md]
AMBIGUOUS_RESIDUAL_RATIO = 0.9
#: An ambiguous solve multiplies every confidence by this. [confidence.md]
AMBIGUOUS_CONFIDENCE_FACTOR = 0.5
#: Weight of a pair with confidence 0: it still links its inputs, unnoticed by confident pairs. [confidence.md]
MIN_LINK_WEIGHT = 1e-6

# --- Training (docs/design/model.md) ---------------------------------------------------------

#: Keypoint jitter (standard deviation, share of the image) every augmented view gets. [model.md]
JITTER_FLOOR = 0.004
#: Gradients are clipped to this norm, so one bad batch cannot throw the network off. [model.md]
GRAD_CLIP_NORM = 5.0
#: TCC's temperature (paper's value); the default scale is 1 / (LOSS_TEMPERATURE * C). [model.md]
LOSS_TEMPERATURE = 0.1
#: Loss weights of eq. 12 for NTU-SYN (paper section 3.4; CMU-SYN used 0.7 and 0.015). [model.md]
DEFAULT_MU1 = 0.5
DEFAULT_MU2 = 0.035
