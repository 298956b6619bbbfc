"""``policy-graph account`` (who may see and change organisations' plans in the browser and
over HTTP) and ``policy-graph plan publish``."""

from __future__ import annotations

import argparse
import json
import sys

from graph.access import ROLES, Accounts
from graph.cli.commands import layout_of, open_graph
from graph.cli.language import _, ngettext
from graph.cli.output import FORMAT_HELP
from graph.errors import StoreError


def register(sub: argparse._SubParsersAction, plan_sub: argparse._SubParsersAction) -> None:
    q = plan_sub.add_parser("publish", help=_("make a loaded plan public, or with --undo its organisation's alone"))
    q.add_argument("id", help=_("the plan's id"))
    q.add_argument("--undo", action="store_true", help=_("make it its organisation's alone again"))
    q.add_argument("--graph", help=_("built graph the plans sit beside (default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_plan_publish)

    p = sub.add_parser("account", help=_("add, list or remove the accounts that may see and keep plans "
                                         "in the browser and over HTTP"))
    account_sub = p.add_subparsers(dest="account_command", metavar=_("ACTION"), required=True)
    q = account_sub.add_parser("add", help=_("add an account and print its access key (shown once)"))
    q.add_argument("name", help=_("the account's name, e.g. a person's or a system's"))
    q.add_argument("--org", default="", help=_("the organisation it acts for, e.g. hywel-dda-uhb (not for admin)"))
    q.add_argument("--role", choices=ROLES, default="editor",
                   help=_("reader: sees its organisation's plans; editor: also keeps, publishes and removes "
                          "them; admin: every organisation's (default: editor)"))
    q.add_argument("--replace", action="store_true", help=_("renew the key of an existing account"))
    q.add_argument("--graph", help=_("built graph whose organisations --org is checked against "
                                     "(default: build/policy-graph.nq)"))
    q.set_defaults(func=cmd_account_add)
    q = account_sub.add_parser("list", help=_("list the accounts"))
    q.add_argument("--format", "-f", choices=["text", "json"], default="text", help=_(FORMAT_HELP))
    q.set_defaults(func=cmd_account_list)
    q = account_sub.add_parser("remove", help=_("remove an account; its key stops working at once"))
    q.add_argument("name", help=_("the account's name"))
    q.set_defaults(func=cmd_account_remove)


def _accounts(args: argparse.Namespace) -> Accounts:
    return Accounts(layout_of(args).accounts_file)


def cmd_account_add(args: argparse.Namespace) -> int:
    if args.role != "admin" and args.org:
        try:
            graph = open_graph(args)
        except StoreError as exc:  # no graph built yet: the account is still made, unchecked
            print(_("warning: %(org)s was not checked against the graph: %(reason)s")
                  % {"org": args.org, "reason": exc}, file=sys.stderr)
        else:
            graph.organisation_id(args.org)  # a body the graph knows, or a clear error
    key = _accounts(args).add(args.name, args.org, args.role, replace=args.replace)
    print(_("Account '%(name)s' (%(role)s of %(org)s); its access key, shown only now:")
          % {"name": args.name, "role": args.role, "org": args.org or _("every organisation")})
    print(key)
    return 0


def cmd_account_list(args: argparse.Namespace) -> int:
    accounts = _accounts(args).all()
    if args.format == "json":
        print(json.dumps([a.public() for a in accounts], indent=2, ensure_ascii=False))
        return 0
    for a in accounts:
        print(f"{a.name:24} {a.role:8} {a.organisation or '*'}")
    print(ngettext("(%(num)d account)", "(%(num)d accounts)", len(accounts)) % {"num": len(accounts)})
    return 0


def cmd_account_remove(args: argparse.Namespace) -> int:
    gone = _accounts(args).remove(args.name)
    print(_("Removed account '%(name)s'; its access key no longer works") % {"name": gone.name})
    return 0


def cmd_plan_publish(args: argparse.Namespace) -> int:
    info = open_graph(args).publish_plan(args.id, not args.undo)
    message = (_("Plan '%(id)s' is now %(org)s's alone") if args.undo else _("Plan '%(id)s' of %(org)s is now public"))
    print(message % {"id": info.id, "org": info.organisation})
    return 0
