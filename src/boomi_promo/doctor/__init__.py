"""``promo doctor``: the checks of a deployment (:mod:`.checks`), the live probe (:mod:`.probe`)
and the settings that stop the service from starting (:mod:`.startup`)."""
