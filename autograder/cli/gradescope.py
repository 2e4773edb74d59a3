"""``python -m autograder gradescope``: grade a Gradescope submission, or build the autograder zip."""
from __future__ import annotations

from ..gradescope import HIDDEN_VISIBILITIES
from ..lab import installed_labs, load_lab
from .options import add_limit_options, limits_from


def add_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "gradescope", help="grade a Gradescope submission (run by run_autograder), or build its zip",
        description="Grade the notebook in ROOT/submission and write ROOT/results/results.json in Gradescope's "
                    "format. With --make-zip, build the autograder zip to upload instead.")
    parser.add_argument("--lab", required=len(installed_labs()) != 1, choices=installed_labs() or None,
                        default=installed_labs()[0] if len(installed_labs()) == 1 else None,
                        help="the lab of this Gradescope assignment")
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder (default /autograder)")
    parser.add_argument("--hidden-visibility", default="after_published", choices=HIDDEN_VISIBILITIES,
                        help="when students see the hidden checks' results (default after_published)")
    parser.add_argument("--make-zip", metavar="ZIP", help="write the autograder zip for Gradescope and exit")
    add_limit_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..gradescope import make_zip, run_gradescope

    if args.make_zip:
        path = make_zip(args.make_zip, load_lab(args.lab))
        print(f"wrote {path}: upload it as the autograder of {args.lab} (Configure Autograder > Zip file)")
        return 0
    run_gradescope(args.root, args.lab, args.hidden_visibility, args.seed, limits_from(args))
    return 0
