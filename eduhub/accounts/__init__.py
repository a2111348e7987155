"""People: learners, teachers, contributors, reviewers and administrators."""
