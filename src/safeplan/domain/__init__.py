"""The domain, pure and without I/O: accident classes by 国务院令第493号, the target
formulas, the rule language and the one exactness policy every decision shares."""
