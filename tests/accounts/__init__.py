"""Tests of eduhub.accounts."""
