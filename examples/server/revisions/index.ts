// The bundle: every revision, imported statically so that bundlers and serverless builds see them.
import r1 from './a1b2c3d4e5f6_create_user.ts';
import r2 from './b7c8d9e0f1a2_create_post.ts';
import r3 from './c3d4e5f6a7b8_add_bio_to_user.ts';

export const revisions = [r1, r2, r3];
