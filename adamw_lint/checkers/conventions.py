"""Optimizers that framework conventions build from data in a Python module (AWL101-AWL103).

OpenMMLab configs (``catalog/conventions.py``): the module-level ``optimizer`` /
``optim_wrapper`` dict is read as the call the registry makes, ``torch.optim.<type>(**keys)``,
and judged by the optimizer checker, so the rules are the catalog's. Only the config shape is
recognised (a module-level assignment of that name, a ``type`` that names a torch optimizer),
never an arbitrary dict with a ``type`` key.
"""

from __future__ import annotations

import ast
from typing import Iterable

from .. import catalog
from ..catalog.conventions import MM_BUILDER_KEYS, MM_CONFIG_NAMES, MM_TYPES, MM_WRAPPER_KEY
from ..context import Args
from ..findings import Edit, Finding, Fix
from ..scope import Binding
from .base import Checker
from .optimizers import OptimizerChecker, Via


class ConventionChecker(Checker):
    codes = OptimizerChecker.codes
    module_names = frozenset(MM_CONFIG_NAMES)

    def check_binding(self, name: str, binding: Binding) -> Iterable[Finding]:
        ctx, scope = self.ctx, binding.scope
        config = binding.value
        entries = ctx.dict_entries(config, scope) if config is not None else None
        if entries is not None and name == "optim_wrapper":
            config = entries[0].get(MM_WRAPPER_KEY)
            if isinstance(config, ast.Name) and config.id in MM_CONFIG_NAMES:
                return ()  # optim_wrapper = dict(optimizer=optimizer): reported at that dict
            entries = ctx.dict_entries(config, scope) if config is not None else None
        if entries is None or config is None or "type" not in entries[0]:
            return ()
        kind = entries[0]["type"]
        literal = ctx.literal(kind, scope)
        qualname = MM_TYPES.get(literal) if isinstance(literal, str) else ctx.qualname(kind, scope)
        api = catalog.OPTIMIZERS_BY_NAME.get(qualname or "")
        if api is None or qualname is None:
            return ()
        keywords = {k: v for k, v in entries[0].items() if k not in MM_BUILDER_KEYS and not k.startswith("_")}
        args = Args(keywords=keywords, open_keywords=entries[1], keyword_home={k: "dict" for k in keywords})
        spelled = isinstance(literal, str)
        via = Via(f"OpenMMLab config: {name} type={ctx.text(kind)} builds {qualname}", (),
                  "edit the config's type by hand" if spelled else "")
        checker = OptimizerChecker(ctx)
        finding = checker.check_optimizer(api, qualname, kind, args, config, scope, via=via)  # type: ignore[arg-type]
        if finding is None:
            return ()
        target = api.rename.get(qualname, "").rsplit(".", 1)[-1]
        if spelled and ctx.fixes and ctx.style == "rename" and MM_TYPES.get(target) and isinstance(kind, ast.Constant):
            quote = ctx.text(kind)[0]
            edit = Edit("replace", ctx.span(kind), f"{quote}{target}{quote}")
            finding = finding.with_fix(Fix(f"Replace type={literal!r} with {target!r}", (edit,)))
        return (finding,)
