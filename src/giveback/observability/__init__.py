"""What operators watch: request ids, Prometheus metrics, and (later) the log format."""
