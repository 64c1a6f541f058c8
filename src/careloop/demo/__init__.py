"""The demo shop: a realistic, deterministic Vietnamese small shop for trying Careloop.

`careloop demo` calls `careloop.demo.service.load_demo`; other capabilities add their own
demo data through `careloop.demo.extensions.DEMO_MODULES`.
"""
