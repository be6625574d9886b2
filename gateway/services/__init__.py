"""Application services: one use case per method, each calling the pure domain and the
store, recording what it did in the audit log, and knowing nothing of gRPC."""
