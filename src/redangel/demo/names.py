"""Name and place frequencies for realistic Mexico City demo data (illustrative, not census)."""

from __future__ import annotations

FEMALE_GIVEN = (
    "María Guadalupe", "Guadalupe", "María", "Juana", "Margarita", "Verónica", "Patricia",
    "Leticia", "Rosa María", "Alejandra", "Gabriela", "Elizabeth", "Ana María", "Laura",
    "Adriana", "Silvia", "Martha", "María de los Ángeles", "Claudia", "Norma", "Yolanda",
    "Araceli", "Sofía", "Ximena", "Valentina", "Regina", "Camila", "Fernanda", "Daniela",
    "Mariana", "Andrea", "Itzel", "Citlali", "Xóchitl", "Lucía", "Renata", "Natalia",
    "María Fernanda", "Ana Sofía", "Dulce María", "Brenda", "Karla", "Diana", "Mónica",
    "Teresa", "Carmen", "Josefina", "Esperanza", "Socorro", "Concepción",
)
MALE_GIVEN = (
    "José", "Juan", "José Luis", "Juan Carlos", "Miguel Ángel", "Francisco", "Jesús",
    "Alejandro", "Antonio", "Pedro", "Manuel", "Jorge", "Ricardo", "Roberto", "Fernando",
    "Javier", "Sergio", "Eduardo", "Raúl", "Arturo", "Carlos", "Luis", "Martín", "Daniel",
    "Santiago", "Mateo", "Sebastián", "Leonardo", "Emiliano", "Diego", "Iker", "Ángel",
    "José Antonio", "Juan Pablo", "Luis Fernando", "Óscar", "Héctor", "Rubén", "Enrique",
    "Gerardo", "Hugo", "Ramón", "Rafael", "Salvador", "Ignacio", "Andrés", "Gustavo",
    "Cuauhtémoc", "Joaquín", "Tomás",
)
SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera",
    "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas", "Contreras",
    "Salazar", "Luna", "Ortega", "Santiago", "Guerrero", "Estrada", "Bautista", "Cortés",
    "Soto", "Alvarado", "Espinoza", "Lara", "Ávila", "Ríos", "Cervantes", "Silva", "Delgado",
    "Vega", "Márquez", "Sandoval", "Fernández", "León", "Carrillo", "Mejía", "Solís", "Núñez",
    "Rosas", "Valdez", "Ibarra", "Campos", "Santos", "Camacho", "Navarro", "Peña",
    "Maldonado", "Rosales", "Acosta", "Miranda", "Trejo", "Valencia", "Nava", "Pacheco",
    "Huerta", "Padilla", "De la Cruz", "Del Ángel", "De la Rosa", "Olvera", "Zúñiga",
    "Ibáñez", "Quintero", "Tapia", "Galván", "Arellano", "Becerra", "Xolalpa", "Tlapale",
    "Ocampo", "Yáñez",
)
# Postal-code prefixes per borough (first three digits), used to build plausible codes.
BOROUGH_POSTAL = {
    "alvaro_obregon": "011", "azcapotzalco": "022", "benito_juarez": "030", "coyoacan": "043",
    "cuajimalpa": "052", "cuauhtemoc": "060", "gustavo_a_madero": "077", "iztacalco": "088",
    "iztapalapa": "093", "magdalena_contreras": "106", "miguel_hidalgo": "115",
    "milpa_alta": "120", "tlahuac": "131", "tlalpan": "143", "venustiano_carranza": "154",
    "xochimilco": "160",
}
# Relative population weights of the boroughs (roughly proportional to residents).
BOROUGH_WEIGHTS = {
    "iztapalapa": 18, "gustavo_a_madero": 13, "alvaro_obregon": 8, "tlalpan": 7,
    "coyoacan": 7, "cuauhtemoc": 6, "venustiano_carranza": 5, "xochimilco": 5,
    "benito_juarez": 5, "azcapotzalco": 4, "miguel_hidalgo": 4, "iztacalco": 4,
    "tlahuac": 4, "magdalena_contreras": 3, "cuajimalpa": 2, "milpa_alta": 2,
}
COLONIAS = (
    "Centro", "Doctores", "Guerrero", "Morelos", "San Rafael", "Santa María la Ribera",
    "Agrícola Oriental", "Santa Cruz Meyehualco", "San Miguel Teotongo", "Desarrollo Urbano",
    "Lindavista", "Martín Carrera", "Pedregal de Santo Domingo", "Ajusco", "Tacubaya",
    "Portales", "Narvarte", "Del Valle", "Olivar del Conde", "San Juan Tlihuaca",
)
STREETS = (
    "Av. Insurgentes", "Calle Morelos", "Calzada de Tlalpan", "Av. Ermita Iztapalapa",
    "Calle Hidalgo", "Calle Juárez", "Av. Revolución", "Calle 5 de Mayo", "Eje 3 Sur",
    "Calle Zaragoza", "Calle Allende", "Av. Tláhuac",
)
BIRTH_STATES = ("DF",) * 14 + ("MC", "PL", "OC", "GR", "VZ", "HG", "MN", "NE")
