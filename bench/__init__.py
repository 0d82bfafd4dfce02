"""The benchmark harness: `python -m bench --scale tiny|full` (see bench/cli.py)."""
