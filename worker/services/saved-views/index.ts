export { createSavedView, deleteSavedView, listSavedViews, updateSavedView, type ViewOwner } from './saved-views.ts';
