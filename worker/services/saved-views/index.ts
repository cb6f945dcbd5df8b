export {
  createSavedView,
  deleteSavedView,
  listSavedViews,
  savedView,
  updateSavedView,
  type ViewOwner,
} from './saved-views.ts';
