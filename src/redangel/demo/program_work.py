"""What years of work on each program leave in the demo: what is delivered, how often, and
the reasons a citizen was given when an application was turned down (in Spanish, as written at
the office)."""

from __future__ import annotations

PROGRAMS = (
    "pension_adultos_mayores", "seguro_desempleo", "apoyo_madres_solas", "bebe_seguro",
    "educacion_garantizada", "utiles_escolares", "uniformes_escolares", "prepa_si",
    "apoyo_discapacidad", "ninos_talento", "seguro_violencia_familiar",
    "servicios_medicos_gratuitos", "comedores_comunitarios", "apoyo_jovenes_riesgo",
    "becas_cultura",
)
OUTCOMES = ("submitted", "in_review", "overdue", "rejected")
"""What an extra application of a person came to (an approved one stands behind each enrollment)."""
# What is delivered under each program: kind and monthly amount (None for services in kind).
DELIVERIES: dict[str, tuple[str, int | None]] = {
    "pension_adultos_mayores": ("transfer", 3000), "seguro_desempleo": ("transfer", 3200),
    "apoyo_madres_solas": ("transfer", 1800), "bebe_seguro": ("transfer", 900),
    "educacion_garantizada": ("scholarship", 900), "utiles_escolares": ("school_supplies", None),
    "uniformes_escolares": ("uniform_voucher", 300), "prepa_si": ("scholarship", 500),
    "apoyo_discapacidad": ("transfer", 1500), "ninos_talento": ("scholarship", 400),
    "seguro_violencia_familiar": ("transfer", 2200),
    "servicios_medicos_gratuitos": ("consultation", None), "comedores_comunitarios": ("meals", None),
    "apoyo_jovenes_riesgo": ("transfer", 1000), "becas_cultura": ("scholarship", 800),
}
YEARLY = frozenset({"utiles_escolares", "uniformes_escolares"})
REJECTIONS: dict[str, str] = {
    "pension_adultos_mayores": "No presentó un comprobante de que vive en la ciudad desde hace "
                               "tres años.",
    "seguro_desempleo": "El último empleo no era formal: no hay constancia de baja ante el "
                        "seguro social.",
    "apoyo_madres_solas": "El ingreso del hogar pasa de dos salarios mínimos.",
    "bebe_seguro": "No entregó el acta de nacimiento del bebé en el plazo de 15 días.",
    "educacion_garantizada": "No se acreditó el fallecimiento o la incapacidad de quien "
                             "sostenía el hogar.",
    "utiles_escolares": "La escuela inscrita es particular; el programa es para escuelas "
                        "públicas.",
    "uniformes_escolares": "La escuela inscrita es particular; el programa es para escuelas "
                           "públicas.",
    "prepa_si": "No presentó la constancia de inscripción del semestre.",
    "apoyo_discapacidad": "Falta el certificado médico de discapacidad permanente.",
    "ninos_talento": "El promedio de la boleta es menor a 9.",
    "seguro_violencia_familiar": "No se completó la entrevista con la trabajadora social; "
                                 "puede volver a solicitarlo.",
    "servicios_medicos_gratuitos": "Tiene afiliación vigente al IMSS.",
    "comedores_comunitarios": "La colonia donde vive no es una zona de bajo desarrollo.",
    "apoyo_jovenes_riesgo": "Está inscrito en una escuela este ciclo.",
    "becas_cultura": "No presentó la constancia de su taller de formación artística.",
}
APPROVED_REASON = "Cumple los requisitos del programa."
EXIT_REASONS = ("no_longer_eligible", "voluntary", "moved_away")
CHANNELS = ("office",) * 6 + ("kiosk", "call_center", "website", "proactive")
