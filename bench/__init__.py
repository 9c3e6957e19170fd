"""mailreport's benchmarks: ``mailreport bench`` (``python -m bench``, which runs
``runner.py``) and the scripts beside it, each runnable on its own."""
