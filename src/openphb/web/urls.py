from django.urls import path

from .views import auth, home, imports, organisations, patients

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
]
