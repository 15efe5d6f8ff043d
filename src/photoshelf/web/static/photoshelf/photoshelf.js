// Progressive enhancement only: every page works without these modules.
import { initDeleteForms } from "./delete.js";
import { initGallery } from "./gallery.js";
import { initUploader } from "./uploader.js";

initDeleteForms();
initGallery();
initUploader();
