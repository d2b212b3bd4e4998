from django.contrib import admin
from django.urls import include, path

from recoup.api import api
from recoup.web.forms import AdminEmailAuthenticationForm

# The admin has its own login page; it must be throttled by django-axes like /login/.
admin.site.login_form = AdminEmailAuthenticationForm
admin.site.site_header = "recoup administration"
admin.site.site_title = "recoup admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("reports/", include("recoup.reports.urls")),
    path("worklist/", include("recoup.worklist.urls")),
    path("calls/", include("recoup.calls.urls")),
    path("team/", include("recoup.team.urls")),
    path("playbook/", include("recoup.playbook.urls")),
    path("disputes/", include("recoup.disputes.urls")),
    # Outside stakeholders' pages: no login, a link per case (recoup.disputes.links).
    path("shared/", include("recoup.disputes.shared_urls")),
    # The customer's own pages: no login, their link (recoup.portal); the team's link actions.
    path("portal/", include("recoup.portal.urls")),
    path("portal-links/", include("recoup.portal.staff_urls")),
    path("followups/", include("recoup.dunning.urls")),
    path("jobs/", include("recoup.jobs.urls")),
    path("cash/", include("recoup.cashapp.urls")),
    path("webhooks/", include("recoup.webhooks.urls")),
    path("api/", api.urls),
    path("", include("recoup.web.urls")),
]
