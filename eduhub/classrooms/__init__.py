"""Classes, their members and assignments: what teachers run for their learners."""
