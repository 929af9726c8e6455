// The code lists the page's forms offer, as the contract and the reference data name them
// (shared/contracts.py, shared/reference_data.json; a unit test keeps them equal).
// Their labels are in the string tables under ``codes``.
export const GENDERS = ["female", "male", "other"];
export const FOCUS_AREAS = ["network", "everyday_advice", "language"];
export const CONTACT_KINDS = ["meeting", "phone_volunteer", "phone_participant", "experience_meeting"];
export const CLOSE_INITIATORS = ["participant", "volunteer", "consultant", "mutual"];
export const CLOSE_REASONS = ["commitment_completed", "goals_reached", "participant_withdrew", "volunteer_withdrew",
                              "lost_contact", "moved", "health", "mismatch", "other"];
export const MATCH_REASONS = ["participant_preference", "volunteer_preference", "language", "location",
                              "availability", "continuity", "other"];
export const AGE_BANDS = ["18-29", "30-39", "40-49", "50-59", "60+"];
