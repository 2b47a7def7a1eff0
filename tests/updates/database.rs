//! « Mise à jour de la base de données ».
