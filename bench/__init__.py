"""mailreport's benchmarks: ``mailreport bench`` (``runner.py``) and the scripts
beside it, each runnable on its own."""
