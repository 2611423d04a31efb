"""Intake: take raw submissions from every channel and archive them before anything else."""
