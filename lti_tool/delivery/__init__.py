"""The learner's side: attempts pinned to the items they were given, answers saved as given, submission and
scoring, results, feedback and the LTI Submission Review page; the tables they are kept in (score outbox included)."""
