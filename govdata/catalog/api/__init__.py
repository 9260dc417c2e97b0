"""The catalog's API under /api/v1/catalog/: one router per area, joined here."""

from ninja import Router

from .resources import router as resources_router

router = Router()
router.add_router("", resources_router)
router.add_router("", "govdata.catalog.api.search.router")
router.add_router("", "govdata.catalog.api.lists.router")
router.add_router("", "govdata.catalog.api.systems.router")
