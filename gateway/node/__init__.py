"""The running node: configuration, gRPC servers and clients, logging."""
