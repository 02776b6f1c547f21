"""The exercises: the harness, the comparison that explains differences, the sandbox that
runs a learner's code, and the checkers (``from course_utils.exercises import check``)."""
