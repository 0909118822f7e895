"""`cps-assess`: the one command line for the bank, the exports and the LTI tool.

Each concern registers its commands from its own module; this file only assembles the group.
Exit status: 0 ok, 1 problems found, 2 usage error (click's own convention for bad arguments).
"""

from __future__ import annotations

import click

from lti_tool.cli_bank import bank_commands
from lti_tool.cli_export import export_commands
from lti_tool.cli_grades import grades_commands
from lti_tool.cli_import import import_commands
from lti_tool.cli_regrade import regrade_commands
from lti_tool.cli_revisions import revisions_commands
from lti_tool.cli_server import server_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cps-assess")
def main() -> None:
    """CPS ethics assessments: validate and export the item bank, and run the LTI 1.3 tool."""


COMMANDS = (bank_commands + export_commands + grades_commands + import_commands + server_commands
            + revisions_commands + regrade_commands)
for _command in COMMANDS:
    main.add_command(_command)
if __name__ == "__main__":
    main()
