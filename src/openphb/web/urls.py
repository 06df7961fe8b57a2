from django.urls import path

from .views import auth, enrolments, home, imports, organisations, patients, programmes

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth.sign_out, name="sign-out"),
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/add/", patients.patient_add, name="patient-add"),
    path("patients/<int:pk>/", patients.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/edit/", patients.patient_edit, name="patient-edit"),
    path("patients/<int:pk>/access/", patients.patient_access, name="patient-access"),
    path(
        "patients/<int:pk>/add/<str:kind>/",
        patients.patient_add_related,
        name="patient-add-related",
    ),
    path(
        "patients/<int:pk>/commissioner/",
        patients.patient_commissioner,
        name="patient-commissioner",
    ),
    path("import/", imports.import_upload, name="import"),
    path("import/<int:pk>/", imports.import_job, name="import-job"),
    path("import/<int:pk>/rejects.csv", imports.import_rejects, name="import-rejects"),
    path("organisations/", organisations.organisation_index, name="organisation-list"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation-detail"),
    path("programmes/", programmes.programme_index, name="programme-list"),
    path("programmes/add/", programmes.programme_add, name="programme-add"),
    path("programmes/<int:pk>/", programmes.programme_detail, name="programme-detail"),
    path("programmes/<int:pk>/sites/add/", programmes.site_add, name="programme-site-add"),
    path("programmes/<int:pk>/rules/", programmes.rules_publish, name="programme-rules"),
    path("programmes/<int:pk>/screen/", programmes.programme_screen, name="programme-screen"),
    path("programmes/<int:pk>/check/", programmes.programme_check, name="programme-check"),
    path("programmes/<int:pk>/uptake/", programmes.programme_uptake, name="programme-uptake"),
    path(
        "programmes/<int:pk>/uptake.csv",
        programmes.programme_uptake_csv,
        name="programme-uptake-csv",
    ),
    path(
        "programmes/<int:programme_pk>/enrol/<int:patient_pk>/",
        enrolments.enrolment_start,
        name="enrolment-start",
    ),
    path("returns/national/", programmes.national_return, name="national-return"),
    path("enrolments/<int:pk>/", enrolments.enrolment_detail, name="enrolment-detail"),
    path(
        "enrolments/<int:pk>/move/<str:stage>/",
        enrolments.enrolment_move,
        name="enrolment-move",
    ),
    path("enrolments/<int:pk>/time/", enrolments.enrolment_time, name="enrolment-time"),
    path(
        "enrolments/<int:pk>/next-action/",
        enrolments.enrolment_next_action,
        name="enrolment-next-action",
    ),
    path(
        "enrolments/<int:pk>/offer-letter.pdf",
        enrolments.offer_letter,
        name="enrolment-offer-letter",
    ),
    path("work/", enrolments.work_queues, name="work-queues"),
]
