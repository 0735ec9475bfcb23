-- Latest pane of kpis: one row per (event_type, window_start), the one with the highest pane
-- (panes accumulate, so its count is the final value). Create after kpis.sql.
CREATE OR REPLACE VIEW ${DATABASE}.kpis_latest AS
SELECT window_start, window_end, pane, timing, event_type, count, dt, hour
FROM (
  SELECT window_start, window_end, pane, timing, event_type, count, dt, hour,
    row_number() OVER (PARTITION BY event_type, window_start, dt, hour ORDER BY pane DESC) AS pane_rank
  FROM ${DATABASE}.kpis
) AS panes
WHERE pane_rank = 1;
