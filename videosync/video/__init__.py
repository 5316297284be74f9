"""Video input and output: probing, decoding, and writing synchronized copies."""
