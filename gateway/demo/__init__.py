"""`argos demo` (what `make demo` runs): the four ports of Plan Argos on this machine.

1. setup: four node processes over mutual TLS, the demo agreements, synthetic hotlists;
2. traffic: camera reads at every port for DEMO_DURATION seconds, two ports through
   vendor adapters, with a live view of each node's own figures (live);
3. story: one investigator story between Rotterdam and Gent, told as it happens;
4. the end: a summary per port, the story's steps and `argos audit verify` on every
   node. Ctrl-C at any moment stops every process the demo started (exit code 130).
"""

from gateway.demo.run import DEFAULT_DURATION_S, run_demo

__all__ = ["DEFAULT_DURATION_S", "run_demo"]
