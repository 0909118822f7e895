"""The LTI 1.3 tool and the `cps-assess` command line."""
