"""The holder's pages: the questionnaire (one step at a time, the profile in the URL) and the results."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.throttle import Throttle, client_ip
from directory import needs_watch
from directory.cache import cache_public_page
from directory.models import NeedSignal
from funding import selectors, services
from funding.forms import FIELD_NAMES, MULTIPLE_FIELDS, STEPS, ProfileForm, SendResultsForm
from funding.grouping import RUBRICS, rubrics_of
from funding.saved_profiles.forms import SaveProfileForm
from funding.saved_profiles.models import SavedProfile

RUBRIC_PREVIEW = 10
RUBRIC_PAGE = 25
# Sending the results link: per client address and per recipient, within an hour.
SENDS_PER_CLIENT = 5
SENDS_PER_RECIPIENT = 3
SEND_WINDOW = 3600
RESULTS_LINK_CLIENTS = Throttle("results-link-client", limit=SENDS_PER_CLIENT, window=SEND_WINDOW)
RESULTS_LINK_RECIPIENTS = Throttle("results-link-recipient", limit=SENDS_PER_RECIPIENT, window=SEND_WINDOW)


def profile_query(data) -> list[tuple[str, str]]:
    """The profile's parameters (no step or button), in a stable order, empty values dropped."""
    return [(name, value) for name in FIELD_NAMES for value in data.getlist(name) if value.strip()]


def profile_url(name: str, query, **extra) -> str:
    pairs = list(query) + [(key, value) for key, value in extra.items() if value is not None]
    return reverse(name) + ("?" + urlencode(pairs) if pairs else "")


def _step_number(value) -> int:
    try:
        return min(max(int(value), 1), len(STEPS))
    except (TypeError, ValueError):
        return 1


@require_GET
def questionnaire(request):
    data = request.GET
    step = _step_number(data.get("step"))
    query = profile_query(data)
    if "back" in data:
        return redirect(profile_url("funding:questionnaire", query, step=max(step - 1, 1)))
    if "next" in data:
        form = ProfileForm(data)
        form.is_valid()
        if any(name in form.errors for name in STEPS[step - 1][2]):
            return render_step(request, form, step, query)
        if step < len(STEPS):
            return redirect(profile_url("funding:questionnaire", query, step=step + 1))
        if form.errors:
            return render_step(request, form, form.first_invalid_step(), query)
        return redirect(profile_url("funding:results", query))
    initial = {name: data.getlist(name) if name in MULTIPLE_FIELDS else data.get(name) for name in FIELD_NAMES}
    return render_step(request, ProfileForm(initial=initial), step, query)


def render_step(request, form, step, query, status=200):
    """Show one step: its fields visible, every other answer carried in hidden fields."""
    slug, title, names = STEPS[step - 1]
    summary = answers_summary(query, step)
    context = {
        "form": form,
        "step": step,
        "step_count": len(STEPS),
        "step_slug": slug,
        "step_title": title,
        "fields": [form[name] for name in names],
        "hidden": [(name, value) for name, value in query if name not in names],
        "summary": summary,
        "stages": list(form.fields["stage"].queryset) if "stage" in names else [],
        "selected_stage": form["stage"].value(),
        "is_last": step == len(STEPS),
        "has_errors": form.is_bound and any(name in form.errors for name in names),
        "step_links": [
            {
                "number": number,
                "title": step_title,
                "url": profile_url("funding:questionnaire", query, step=number),
                "current": number == step,
            }
            for number, (_slug, step_title, _names) in enumerate(STEPS, start=1)
        ],
    }
    return render(request, "funding/questionnaire.html", context, status=status)


def answers_summary(query, current_step, form=None) -> list[dict]:
    """The answers already given, step by step, each with a « Modifier » link keeping the whole profile."""
    if form is None:
        form = ProfileForm(dict_of(query))
        form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    rows = []
    for number, (_slug, title, names) in enumerate(STEPS, start=1):
        if number == current_step:
            continue
        texts = [answer_text(form, cleaned, name) for name in names]
        texts = [text for text in texts if text]
        if texts:
            rows.append(
                {
                    "number": number,
                    "title": title,
                    "answer": " ; ".join(texts),
                    "url": profile_url("funding:questionnaire", query, step=number),
                }
            )
    return rows


def dict_of(query):
    data = QueryDict(mutable=True)
    for name, value in query:
        data.appendlist(name, value)
    return data


def answer_text(form, cleaned, name) -> str:
    value = cleaned.get(name)
    if name in form.errors or value in (None, "", []):
        return ""
    field = form.fields[name]
    if name == "commune":
        return str(value)
    if name == "stage":
        return value.holder_label or value.name
    if name == "need":
        return ", ".join(need.name for need in value)
    if name == "keyword":
        labels = dict(field.choices)
        return f"{field.label} : " + ", ".join(str(labels[slug]).lower() for slug in value)
    if name == "legal_form":
        return value.name
    if hasattr(field, "choices"):
        return f"{field.label} : {dict(field.choices).get(value, value)}"
    return f"{field.label} : {value}"


@require_GET
def results(request):
    form = ProfileForm(request.GET)
    query = profile_query(request.GET)
    if not form.is_valid():
        return render_step(request, form, form.first_invalid_step(), query)
    today = timezone.localdate()
    profile = selectors.build_profile(**form.profile_values())
    rubric = request.GET.get("rubrique")
    context = {
        "form": form,
        "profile": profile,
        "today": today,
        "edit_url": profile_url("funding:questionnaire", query, step=1),
        "results_url": profile_url("funding:results", query),
        "summary": answers_summary(query, 0, form),
        "query": query,
        # The profile carried to the referral form of a chosen offer (slugs and the commune, no personal data).
        "referral_query": urlencode(query),
        "send_form": SendResultsForm(),
    }
    if rubric in RUBRICS:
        return _rubric(request, context, rubric)
    # Each « mon parcours » shown counts in the needs watch, whether its page is computed or kept (below).
    _watch_needs(profile)
    response = _overview(request, context, query)
    patch_cache_control(response, no_store=True)  # each showing counts: no browser shows it again uncounted
    return response


@cache_public_page
def _rubric(request, context, rubric):
    """One rubric in full, page by page: the database ranks, only the page's offers are read (kept like
    `_overview`; a rubric's page counts nothing in the needs watch)."""
    profile = context["profile"]
    matches = selectors.RankedMatches(profile, today=context["today"], rubric=rubric)
    page = Paginator(matches, RUBRIC_PAGE).get_page(request.GET.get("page"))
    chosen = next(each for each in rubrics_of({}, {rubric: matches.count()}) if each.slug == rubric)
    context.update(rubric=chosen, page=page, match_count=matches.count())
    return render(request, "funding/results_rubric.html", context)


@cache_public_page
def _overview(request, context, query):
    """The results' overview: the first offers of each rubric, the next stage, the permanences near. What it shows
    depends on the profile (the query string), the directory and the day only, so an anonymous visitor's page is
    kept under the directory version (`cache_public_page`); a signed-in holder's (save form) never is."""
    profile, today = context["profile"], context["today"]
    first, totals = selectors.match_preview(profile, today=today, per_rubric=RUBRIC_PREVIEW)
    rubrics = rubrics_of(first, totals)
    for each in rubrics:
        each.more_url = (
            profile_url("funding:results", query, rubrique=each.slug) if each.total > RUBRIC_PREVIEW else None
        )
    next_stage, next_matches = selectors.next_stage_matches(profile, today=today)
    context.update(
        match_count=sum(totals.values()),
        rubrics=rubrics,
        next_stage=next_stage,
        next_matches=next_matches,
        permanences=selectors.permanences_near(profile),
        **saved_profile_context(request, query),
    )
    return render(request, "funding/results.html", context)


def _watch_needs(profile) -> None:
    """Each « mon parcours » shown counts in the needs watch; unmet when nothing at its stage is reachable in person."""
    needs_watch.record(
        commune=profile.commune,
        signal=NeedSignal.PARCOURS,
        unmet=not needs_watch.in_person_offers_exist(profile.commune, profile.stage),
        stage=profile.stage.slug,
        needs=[need.slug for need in profile.needs],
        legal_form=profile.legal_form or "",
    )


def saved_profile_context(request, query) -> dict:
    """« Enregistrer ce parcours dans mon compte »: the form, and whether it is saved already (signed in only)."""
    if not request.user.is_authenticated:
        return {"save_form": None, "already_saved": False}
    already = SavedProfile.objects.of(request.user).for_query(query).exists()
    return {"save_form": SaveProfileForm(), "already_saved": already}


@require_POST
def send_results(request):
    """Opt-in: e-mail the results link to the address given, with explicit consent (CSRF, rate-limited)."""
    profile_form = ProfileForm(request.POST)
    query = profile_query(request.POST)
    if not profile_form.is_valid():
        return redirect(profile_url("funding:questionnaire", query, step=profile_form.first_invalid_step()))
    results_url = profile_url("funding:results", query)
    form = SendResultsForm(request.POST)
    context = {"form": form, "query": query, "results_url": results_url}
    if not form.is_valid():
        return render(request, "funding/send_results.html", context, status=400)
    if form.cleaned_data["website"]:
        # A robot filled the honeypot: answer as if sent, send nothing.
        messages.success(request, _("Le lien de vos résultats vous a été envoyé."))
        return redirect(results_url)
    email = form.cleaned_data["email"]
    if not (RESULTS_LINK_CLIENTS.allow(client_ip(request)) and RESULTS_LINK_RECIPIENTS.allow(email.lower())):
        context["throttled"] = True
        return render(request, "funding/send_results.html", context, status=429)
    services.results_link_send(email=email, results_url=request.build_absolute_uri(results_url))
    messages.success(request, _("Le lien de vos résultats vous a été envoyé."))
    return redirect(results_url)
