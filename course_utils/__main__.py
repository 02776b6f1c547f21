"""``python -m course_utils lab|test|student|book|setup``: see ``course_utils.launcher``."""
from course_utils.launcher import main

raise SystemExit(main())
