-- The report readers written by hand in plain SQL, as a user would without the extension:
-- one view per facesign function over a table docs(id, doc jsonb) holding whole sessions.
-- The SQL tests compare each with the extension's function; bench/report_readers.sh times
-- both. Plain `->>` casts assume well-formed documents: a string where a number belongs
-- raises an error here, where the extension returns NULL.

CREATE OR REPLACE VIEW hand_node_outcomes AS
SELECT d.id, e.i::int AS ordinal, e.n->>'nodeId' AS node_id, e.n->>'type' AS node_type,
       coalesce(e.n->>'outcome', e.n->>'passedTransitionId') AS outcome,
       to_timestamp((e.n->>'createdAt')::float8 / 1000) AS created_at
FROM docs d, jsonb_array_elements(d.doc->'report'->'nodeReports') WITH ORDINALITY AS e(n, i);

CREATE OR REPLACE VIEW hand_transcript AS
SELECT d.id, e.i::int AS ordinal,
       CASE (e.p->>'isAvatar')::boolean WHEN true THEN 'avatar' WHEN false THEN 'user' END AS speaker,
       e.p->>'text' AS text, to_timestamp((e.p->>'createdAt')::float8 / 1000) AS created_at
FROM docs d, jsonb_array_elements(d.doc->'report'->'transcript') WITH ORDINALITY AS e(p, i);

CREATE OR REPLACE VIEW hand_liveness_outcome AS
SELECT d.id,
       (SELECT coalesce(n->>'outcome', n->>'passedTransitionId')
        FROM jsonb_array_elements(d.doc->'report'->'nodeReports') WITH ORDINALITY AS e(n, i)
        WHERE n->>'type' = 'liveness_detection' ORDER BY i DESC LIMIT 1) AS outcome
FROM docs d;

CREATE OR REPLACE VIEW hand_risk_signals AS
SELECT d.id,
  (SELECT coalesce(n->>'outcome', n->>'passedTransitionId') FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
    WHERE n->>'type' = 'liveness_detection' ORDER BY i DESC LIMIT 1) AS liveness,
  (SELECT coalesce(n->>'outcome', n->>'passedTransitionId') FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
    WHERE n->>'type' = 'recognition' ORDER BY i DESC LIMIT 1) AS recognition,
  (SELECT coalesce(n->>'outcome', n->>'passedTransitionId') FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
    WHERE n->>'type' = 'face_scan' ORDER BY i DESC LIMIT 1) AS face_scan,
  (SELECT coalesce(n->>'outcome', n->>'passedTransitionId') FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
    WHERE n->>'type' = 'face_compare' ORDER BY i DESC LIMIT 1) AS face_compare,
  coalesce(
    (SELECT (n->'report'->>'similarity')::float8 FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
      WHERE n->>'type' = 'face_compare' ORDER BY i DESC LIMIT 1),
    (SELECT (n->'report'->'compareFacesReport'->>'similarity')::float8 FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
      WHERE n->>'type' = 'face_scan' ORDER BY i DESC LIMIT 1)) AS face_similarity,
  (SELECT coalesce(n->>'outcome', n->>'passedTransitionId') FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
    WHERE n->>'type' = 'document_scan' ORDER BY i DESC LIMIT 1) AS document_scan,
  (SELECT coalesce(n->>'outcome', n->>'passedTransitionId') FROM jsonb_array_elements(r->'nodeReports') WITH ORDINALITY e(n, i)
    WHERE n->>'type' IN ('two_factor_email', 'two_factor_sms', 'two_factor') ORDER BY i DESC LIMIT 1) AS two_factor,
  r->'deepfakeDetection'->>'verdict' AS deepfake_verdict,
  (r->'deepfakeDetection'->>'score')::float8 AS deepfake_score,
  r->'aiAnalysis'->>'realPersonOrVirtual' AS real_person,
  (r->'aiAnalysis'->>'ageMin')::int AS age_min,
  (r->'aiAnalysis'->>'ageMax')::int AS age_max,
  r->'aiAnalysis'->>'sex' AS sex,
  r->>'videoAIAnalysisStatus' AS video_status,
  CASE WHEN jsonb_typeof(r->'videoAIAnalysis') IN ('object', 'array') THEN
    (SELECT count(*) FILTER (WHERE c->>'evaluation' = 'suspicious')::int
     FROM (SELECT value AS c FROM jsonb_each(CASE WHEN jsonb_typeof(r->'videoAIAnalysis') = 'object' THEN r->'videoAIAnalysis' END)
           UNION ALL
           SELECT value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r->'videoAIAnalysis') = 'array' THEN r->'videoAIAnalysis' END)) v)
  END AS video_suspicious,
  CASE WHEN jsonb_typeof(r->'videoAIAnalysis') IN ('object', 'array') THEN
    (SELECT count(*) FILTER (WHERE c->>'evaluation' = 'highFraudRisk')::int
     FROM (SELECT value AS c FROM jsonb_each(CASE WHEN jsonb_typeof(r->'videoAIAnalysis') = 'object' THEN r->'videoAIAnalysis' END)
           UNION ALL
           SELECT value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r->'videoAIAnalysis') = 'array' THEN r->'videoAIAnalysis' END)) v)
  END AS video_high_risk,
  r->'location'->'country'->>'isoCode' AS country,
  r->'location'->'city'->'names'->>'en' AS city,
  (r->'location'->'location'->>'latitude')::float8 AS latitude,
  (r->'location'->'location'->>'longitude')::float8 AS longitude,
  (r->'location'->'location'->>'accuracyRadius')::int AS accuracy_radius_km,
  r->'location'->'location'->>'timeZone' AS time_zone,
  CASE WHEN jsonb_typeof(r->'location'->'traits') = 'object' THEN
    coalesce((r->'location'->'traits'->>'isAnonymous')::boolean, false)
    OR coalesce((r->'location'->'traits'->>'isAnonymousVpn')::boolean, false)
    OR coalesce((r->'location'->'traits'->>'isAnonymousProxy')::boolean, false)
    OR coalesce((r->'location'->'traits'->>'isPublicProxy')::boolean, false)
    OR coalesce((r->'location'->'traits'->>'isResidentialProxy')::boolean, false)
    OR coalesce((r->'location'->'traits'->>'isTorExitNode')::boolean, false)
    OR coalesce((r->'location'->'traits'->>'isHostingProvider')::boolean, false)
  END AS anonymizer,
  CASE WHEN jsonb_typeof(r->'location'->'traits') = 'object'
    THEN (r->'location'->'traits'->>'autonomousSystemNumber')::bigint END AS asn,
  r->'device'->>'browser' AS browser,
  r->'device'->>'version' AS browser_version,
  r->'device'->>'os' AS os,
  r->'device'->>'platform' AS platform,
  CASE WHEN r->'device' ? 'isMobile' OR r->'device' ? 'isTablet' THEN
    coalesce((r->'device'->>'isMobile')::boolean, false) OR coalesce((r->'device'->>'isTablet')::boolean, false)
  END AS is_mobile,
  (r->'device'->>'isBot')::boolean AS is_bot,
  r->>'lang' AS lang
FROM docs d, LATERAL (SELECT d.doc->'report' AS r) AS rep;

CREATE OR REPLACE VIEW hand_session_summary AS
SELECT d.id AS row_id,
  d.doc->>'id' AS id,
  d.doc->>'status' AS status,
  to_timestamp((d.doc->>'createdAt')::float8 / 1000) AS created_at,
  to_timestamp((d.doc->>'startedAt')::float8 / 1000) AS started_at,
  to_timestamp((d.doc->>'finishedAt')::float8 / 1000) AS finished_at,
  coalesce(d.doc->'settings'->>'clientReferenceId', d.doc->'settings'->>'client_reference_id') AS client_reference_id,
  d.doc->'settings'->>'zone' AS zone,
  coalesce(d.doc->'report'->>'lang', d.doc->'settings'->>'defaultLang', d.doc->'settings'->>'default_lang') AS lang,
  CASE jsonb_typeof(d.doc->'settings'->'flow')
    WHEN 'array' THEN jsonb_array_length(d.doc->'settings'->'flow')
    WHEN 'object' THEN CASE WHEN jsonb_typeof(d.doc->'settings'->'flow'->'nodes') = 'array'
                            THEN jsonb_array_length(d.doc->'settings'->'flow'->'nodes') END
  END AS flow_nodes,
  CASE WHEN jsonb_typeof(d.doc->'report'->'nodeReports') = 'array'
       THEN jsonb_array_length(d.doc->'report'->'nodeReports') END AS node_reports,
  CASE WHEN jsonb_typeof(d.doc->'report'->'transcript') = 'array'
       THEN jsonb_array_length(d.doc->'report'->'transcript') END AS transcript_turns
FROM docs d;
