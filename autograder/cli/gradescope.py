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
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="with --make-zip: a setting the zip grades with (Gradescope has no other way to set "
                             "one), such as --env TF_USE_LEGACY_KERAS=1; repeatable")
    parser.add_argument("--self-test", action="store_true",
                        help="grade the lab's own solution in this environment and exit 1 unless it earns full "
                             "marks (setup.sh's last step)")
    add_limit_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..errors import InputError
    from ..gradescope import make_zip, run_gradescope, self_test

    if args.make_zip:
        settings = dict(pair.partition("=")[::2] for pair in args.env)
        if any("=" not in pair for pair in args.env):
            raise InputError("--env takes NAME=VALUE")
        try:
            path = make_zip(args.make_zip, load_lab(args.lab), settings)
        except OSError as error:
            raise InputError(f"{args.make_zip}: cannot write the zip there ({error.strerror or error})") from None
        shown = ", ".join(f"{name}={value}" for name, value in settings.items()) or "no extra settings"
        print(f"wrote {path}: upload it as the autograder of {args.lab} (Configure Autograder > Zip file); "
              f"it grades with {shown}")
        return 0
    if args.self_test:
        return 0 if self_test(args.lab, args.seed, limits_from(args)) else 1
    run_gradescope(args.root, args.lab, args.hidden_visibility, args.seed, limits_from(args))
    return 0
