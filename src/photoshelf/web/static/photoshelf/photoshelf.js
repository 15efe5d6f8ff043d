// Progressive enhancement only: every page works without these modules.
import { initDeleteForms } from "./delete.js";
import { initGallery } from "./gallery.js";
import { initShare } from "./share.js";
import { initUploader } from "./uploader.js";

initDeleteForms();
initGallery();
initShare();
initUploader();
