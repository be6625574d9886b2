"""The camera edge of an inbound adapter: who may push reads to its listener.

A push is admitted only from a configured camera (`[cameras.<id>]` in the adapter's
settings, adapters/edge/settings.py) that proves who it is (HTTP Basic or Digest, a
shared secret in a header, and/or a client certificate over mutual TLS), from an address
it may use, within its rate. The steps, in order, for every request the listener takes:
TLS (tls.py) → who is it (gate.py: credentials.py, digest.py) → from where → how often
(rate_limit.py) → only then is the body read and parsed (adapters/runtime.py)."""
