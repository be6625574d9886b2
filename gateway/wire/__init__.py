"""Wire layer: generated protobuf code and its translation to domain values."""
