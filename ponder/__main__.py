"""`python -m ponder`: the same as the `ponder` command."""

from ponder.launch import main

raise SystemExit(main())
