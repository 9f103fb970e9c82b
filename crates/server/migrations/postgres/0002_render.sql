-- Background picture, clip or blur, composition and preview of a job, as
-- one JSON object (http/scene.rs: Render).
ALTER TABLE jobs ADD COLUMN render TEXT NOT NULL DEFAULT '{}';
