"""The daemon: scheduled jobs, leader election, and the composition root that wires them."""
