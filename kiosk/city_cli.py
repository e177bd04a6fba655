"""`kiosk city-report FILE...`: the JSON compliance reports of many centres for one period,
merged: a row per centre and the city's totals (city/merge.py, R2 across centres)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.report_export import FORMATS


@click.command("city-report")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="输出格式 output format")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="写入文件 write to this file instead of the screen")
def city_report(files: tuple[Path, ...], fmt: str, out: Path | None) -> None:
    """全市合规报表 merge the centres' JSON reports (kiosk report --format json) of one period;
    a file of another period or a centre given twice is refused. Exit 1 when a figure does
    not reconcile."""
    from city.merge import CityReportError, merge, read_report
    from kiosk.city_export import render

    try:
        city = merge([read_report(path) for path in files])
    except CityReportError as exc:
        click.echo(f"{exc.zh}\n{exc.en}", err=True)
        sys.exit(1)
    text = render(city, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            from booking.files import write_private_text

            write_private_text(out, text, "utf-8-sig" if fmt == "csv" else "utf-8")
        except OSError as exc:
            click.echo(f"无法写入 {out}：{exc.strerror}\ncannot write {out}: {exc.strerror}",
                       err=True)
            sys.exit(1)
        click.echo(f"已写入 written: {out}", err=True)
    if city.problems:
        click.echo("核对不符 figures that do not reconcile (R2):\n" + "\n".join(city.problems),
                   err=True)
        sys.exit(1)
