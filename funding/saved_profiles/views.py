"""« Enregistrer ce parcours dans mon compte » and « Mes parcours enregistrés » (each list scoped to its owner)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from funding.forms import ProfileForm
from funding.saved_profiles import services
from funding.saved_profiles.forms import SaveProfileForm, profile_label
from funding.saved_profiles.models import SavedProfile
from funding.views import profile_query, profile_url

SAVED_PAGE = 20


@require_POST
def save_results(request):
    """Keep the profile posted with the form in the signed-in holder's account, with explicit consent."""
    profile_form = ProfileForm(request.POST)
    query = profile_query(request.POST)
    if not profile_form.is_valid():
        return redirect(profile_url("funding:questionnaire", query, step=profile_form.first_invalid_step()))
    results_url = profile_url("funding:results", query)
    if not request.user.is_authenticated:
        return redirect_to_login(results_url)
    form = SaveProfileForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "query": query, "results_url": results_url}
        return render(request, "funding/save_results.html", context, status=400)
    _saved, created = services.saved_profile_save(user=request.user, query=query, label=profile_label(profile_form))
    if created:
        messages.success(request, _("Ce parcours est enregistré dans votre compte."))
    else:
        messages.info(request, _("Ce parcours était déjà enregistré dans votre compte."))
    return redirect(results_url)


@login_required
def saved_profile_list(request):
    saved = SavedProfile.objects.of(request.user).order_by("-created_at", "-pk")
    page = Paginator(saved, SAVED_PAGE).get_page(request.GET.get("page"))
    return render(request, "funding/saved_profile_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def saved_profile_delete(request, pk):
    """A confirmation page; the POST deletes. Another account's parcours is a 404."""
    saved = get_object_or_404(SavedProfile.objects.of(request.user), pk=pk)
    if request.method == "POST":
        services.saved_profile_delete(saved_profile=saved)
        messages.success(request, _("Le parcours « %(label)s » a été supprimé.") % {"label": saved.label})
        return redirect("saved_profiles:list")
    return render(request, "funding/saved_profile_confirm_delete.html", {"saved": saved})
