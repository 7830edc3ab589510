"""Python source generated from the checked, typed AST, as Jinja2 compiles a template.

    expr.py      emit an expression: FEEL AST -> statements (kinds.py: what a value can be)
    elements.py  emit elements: each element kind's evaluation, with and without its trace
    prepare.py   emit the case check and conversion from the case schema
    program.py   assemble a rule set's module; module.py runs generated source (and stand-alone
                 expressions); writer.py is where source is written (the only place rule text
                 enters it, as escaped literals); runtime.py what generated code calls
    cache.py     the rule set, with its generated code, cached on disk across processes
"""
