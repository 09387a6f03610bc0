"""The CLI reference (docs/cli.md), generated from the click commands themselves so it
cannot drift from the code: ``python -m secscan.commands.clidoc > docs/cli.md``; a test checks
the file is up to date."""

from __future__ import annotations

import click


def render_cli_markdown() -> str:
    from secscan.cli import EXIT_CODES_HELP, main

    lines = ["# secscan command-line reference", "",
             "Generated from the code by `python -m secscan.commands.clidoc > docs/cli.md`; do not edit by hand.", "",
             "## Exit codes", "", "| code | meaning |", "|---|---|"]
    for row in EXIT_CODES_HELP.splitlines()[2:]:
        code, _, meaning = row.strip().partition("  ")
        lines.append(f"| {code} | {meaning.strip()} |")
    lines.append("")
    ctx = click.Context(main, info_name="secscan", **main.context_settings)
    for name in sorted(main.list_commands(ctx)):
        cmd = main.get_command(ctx, name)
        assert cmd is not None
        sub = click.Context(cmd, info_name=f"secscan {name}", parent=ctx)
        lines += [f"## `secscan {name}`", "", (cmd.help or "").split("\n\b")[0].strip(), "", "```",
                  f"{' '.join(cmd.collect_usage_pieces(sub))}".join([f"secscan {name} ", ""]), "```", ""]
        rows = []
        for param in cmd.get_params(sub):
            record = param.get_help_record(sub)
            if record is None:
                if isinstance(param, click.Argument):
                    rows.append((f"`{param.human_readable_name}`", "argument"))
                continue
            opts, help_text = record
            rows.append((f"`{opts}`", " ".join(help_text.split()).replace("|", "\\|")))
        if rows:
            lines += ["| option | meaning |", "|---|---|"]
            lines += [f"| {o.replace('|', chr(92) + '|')} | {h} |" for o, h in rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_cli_markdown(), end="")
