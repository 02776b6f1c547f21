"""``python -m course_utils lab|test|student|book|setup``: see ``course_utils.authoring.launcher``."""
from course_utils.authoring.launcher import main

raise SystemExit(main())
