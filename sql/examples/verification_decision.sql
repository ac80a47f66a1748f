-- Pass or fail per session, as FaceSign's "Interpreting outcomes" describes: verified when
-- liveness resolved to livenessDetected and face_scan (when the flow had one) to passed.
-- One risk_signals call per row reads every signal with a single detoast.
SELECT s.id, s.client_reference_id, r.liveness, r.face_scan,
       CASE WHEN r.liveness = 'livenessDetected' AND coalesce(r.face_scan, 'passed') = 'passed'
            THEN 'pass' ELSE 'fail' END AS decision
FROM sessions AS s
CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r
WHERE s.status = 'complete'
ORDER BY s.created_at, s.id;
