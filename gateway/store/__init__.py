"""Storage backends: each implements the ports of gateway.services.ports. SQL lives
here and nowhere else."""
